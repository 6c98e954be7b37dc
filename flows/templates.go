package flows

import "github.com/skybridge/skybridge/domain"

// TemplateRule maps a message purpose and language on a channel to an approved
// template (WhatsApp message template, Messenger utility template) and says which
// of the message's parameters fill it, in order.
type TemplateRule struct {
	Channel  domain.Channel `json:"channel"`
	Purpose  string         `json:"purpose"`
	Lang     domain.Lang    `json:"lang"`
	Name     string         `json:"name"`
	Language string         `json:"language"` // the platform's code, e.g. "en_GB"
	Params   []string       `json:"params,omitempty"`
	// Named sends the parameters by name (WhatsApp NAMED format).
	Named bool `json:"named,omitempty"`
	// Buttons are quick-reply payload parameters, filled from the message's params.
	Buttons []string `json:"buttons,omitempty"`
}

// template finds the template for a purpose in a language, falling back to the
// default language, and fills it from params. nil when none is configured or a
// parameter is missing.
func (c Content) template(ch domain.Channel, purpose string, lang domain.Lang, params map[string]string) *domain.TemplateRef {
	var rule *TemplateRule
	for _, want := range []domain.Lang{lang, domain.DefaultLang} {
		for i := range c.Rules.Templates {
			r := &c.Rules.Templates[i]
			if r.Channel == ch && r.Purpose == purpose && r.Lang == want {
				rule = r
				break
			}
		}
		if rule != nil {
			break
		}
	}
	if rule == nil {
		return nil
	}
	ref := &domain.TemplateRef{Name: rule.Name, Language: rule.Language}
	for _, p := range rule.Params {
		v, ok := params[p]
		if !ok {
			return nil
		}
		ref.Params = append(ref.Params, v)
		if rule.Named {
			ref.ParamNames = append(ref.ParamNames, p)
		}
	}
	for _, b := range rule.Buttons {
		v, ok := params[b]
		if !ok {
			return nil
		}
		ref.ButtonPayloads = append(ref.ButtonPayloads, v)
	}
	return ref
}
