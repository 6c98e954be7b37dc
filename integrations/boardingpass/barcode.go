package boardingpass

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/aztec"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/domain/bcbp"
)

// Barcode geometry. A phone held under a gate scanner is read reliably when a module
// (one black or white square) is several screen pixels wide and the symbol has a
// light margin; an Aztec symbol of a one-leg pass is about 31 modules wide, so the
// PNG comes out near 400 pixels square.
const (
	// eccPercent is the share of the symbol spent on error correction: more than the
	// 23 % minimum, because screens have glare and cracks.
	eccPercent = 33
	// modulePixels is the width of one module in the PNG.
	modulePixels = 10
	// quietModules is the light margin around the symbol, in modules.
	quietModules = 4
)

// Barcode returns a PNG of the Aztec symbol of p.BCBP. The string must be a valid
// BCBP "M" string; anything else is an Invalid domain error, so that a traveller never
// receives a barcode the gate rejects.
func (r *Renderer) Barcode(p domain.BoardingPass) ([]byte, error) {
	img, err := symbol(p)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("render barcode: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// symbol draws the Aztec symbol of p.BCBP, black on white, scaled by modulePixels
// and surrounded by the quiet zone.
func symbol(p domain.BoardingPass) (*image.Gray, error) {
	if p.BCBP == "" {
		return nil, domain.Errorf(domain.Invalid, "render barcode", "the pass has no barcode data")
	}
	if _, err := bcbp.Decode(p.BCBP); err != nil {
		return nil, fmt.Errorf("render barcode: %w", err)
	}
	code, err := aztec.Encode([]byte(p.BCBP), eccPercent, 0)
	if err != nil {
		return nil, fmt.Errorf("render barcode: %w", err)
	}
	b := code.Bounds()
	w := (b.Dx() + 2*quietModules) * modulePixels
	h := (b.Dy() + 2*quietModules) * modulePixels
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if gray := color.GrayModel.Convert(code.At(x, y)).(color.Gray); gray.Y >= 0x80 {
				continue
			}
			x0 := (x - b.Min.X + quietModules) * modulePixels
			y0 := (y - b.Min.Y + quietModules) * modulePixels
			for dy := 0; dy < modulePixels; dy++ {
				row := img.Pix[(y0+dy)*img.Stride:]
				for dx := 0; dx < modulePixels; dx++ {
					row[x0+dx] = 0
				}
			}
		}
	}
	return img, nil
}
