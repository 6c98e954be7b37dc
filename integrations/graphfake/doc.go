// Package graphfake is a fake of Meta's Graph API send endpoints, for testing and
// measuring Skybridge's WhatsApp and Messenger channels without Meta.
//
// It serves POST /{version}/{phone_number_id}/messages (WhatsApp Cloud API, Bearer
// token) and POST /{version}/{page_id}/messages?access_token=… (Messenger Send API),
// checks path, token, body shape and the platforms' limits, and answers the way
// Meta does: a success body with a generated wamid or mid, or a Graph error body
// ({"error":{"message":"(#100) …","type":"OAuthException","code":100,…}}) with the
// matching HTTP status. Every request is recorded, with what it offered the
// traveller (text and choices), so that tests and load generators can read the
// replies a traveller would have seen.
//
// Faults are injected at run time (SetFaults, or POST /_fake/faults): throttling,
// server errors, a closed customer-service window, slow answers and a per-sender
// rate limit. When configured, the fake posts signed status webhooks (sent,
// delivered, read, with the sender's biz_opaque_callback_data; Messenger's
// message echo, with the sender's metadata, then delivery and read watermarks)
// back to Skybridge for every accepted message, shaped like the real ones.
//
// The fake keeps everything in memory and is meant for loopback use only: its
// /_fake endpoints are not authenticated.
package graphfake
