package nlu

import "github.com/skybridge/skybridge/domain"

// thresholdGrid holds the confidences a transactional intent's threshold is
// chosen among.
var thresholdGrid = []float64{0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.95}

// chooseEachThreshold decides each transactional intent's threshold on its
// own: the lowest on the grid from which up the held-out answers of that
// intent are right minPrecision per cent of the time or more; the top of
// the grid when none is.
func (h heldOuts) chooseEachThreshold(base Thresholds, minPrecision float64) Thresholds {
	th := Thresholds{Intent: base.Intent, Transactional: base.Transactional, PerIntent: map[domain.Intent]float64{}}
	for _, in := range domain.Intents {
		if !in.Transactional() {
			continue
		}
		th.PerIntent[in] = thresholdGrid[len(thresholdGrid)-1]
		for j := len(thresholdGrid) - 1; j >= 0; j-- {
			// Only this intent can be answered among the transactional ones.
			alone := Thresholds{Intent: th.Intent, Transactional: 1.01, PerIntent: map[domain.Intent]float64{in: thresholdGrid[j]}}
			var answers Tally
			for _, e := range h {
				u := e.u
				e.r.apply(&u, alone)
				if u.Intent == in {
					answers.add(e.Intent == in)
				}
			}
			if answers.N > 0 && answers.Percent() < minPrecision {
				break
			}
			th.PerIntent[in] = thresholdGrid[j]
		}
	}
	return th
}
