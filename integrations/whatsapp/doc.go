// Package whatsapp speaks the WhatsApp Business Cloud API wire format: it turns
// webhook bodies into channel-neutral domain.ChannelEvent values (Parse), renders
// domain.Outbound messages into Cloud API send requests within WhatsApp's limits
// (Render), and sends them (Client, which implements the flows' Sender port).
//
// It holds no HTTP server code: the api package verifies the X-Hub-Signature-256
// signature and hands Parse the raw body. Rendering degrades instead of failing:
// up to 3 short choices become reply buttons, up to 10 a list, more a numbered text
// the traveller answers with a number; over-long titles are shortened with an
// ellipsis and over-long text is split into several messages.
//
// Identity: a traveller is addressed by phone number (wa_id digits, sent as "+digits"
// in "to") or, when WhatsApp shares no phone number, by the business-scoped user id
// (BSUID, e.g. "US.13491208655302741918", sent in "recipient").
//
// Platform refusals come back as *domain.SendError, classified as retryable,
// window-closed or permanent. The access token and phone numbers never appear in
// returned errors.
package whatsapp
