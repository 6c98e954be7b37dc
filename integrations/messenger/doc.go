// Package messenger speaks the Facebook Messenger Platform wire format: it turns
// webhook bodies into channel-neutral domain.ChannelEvent values (Parse), renders
// domain.Outbound messages into Send API request bodies within Messenger's limits
// (Render), and sends them (Client, which implements the flows' Sender port).
//
// It holds no HTTP server code: the api package verifies the X-Hub-Signature-256
// signature and hands Parse the raw body.
//
// Rendering degrades instead of failing: up to 13 choices with short titles become
// quick replies, up to 3 choices with long titles a button template, up to 13 a
// numbered list with numbered quick replies, more a numbered list the traveller
// answers with a number. Over-long titles are shortened with an ellipsis and text of
// 2000 characters or more is split into several messages, sent in order.
//
// Policy: replies go as messaging_type RESPONSE, proactive messages inside the
// 24-hour window as UPDATE, a person's reply as MESSAGE_TAG with tag HUMAN_AGENT,
// and approved utility templates as UTILITY. The tags Meta retired on 27 April 2026
// (CONFIRMED_EVENT_UPDATE, ACCOUNT_UPDATE, POST_PURCHASE_UPDATE) are never sent.
//
// Every request of a message carries our outbound id and its part in
// message.metadata ("skybridge:<id>:<k>/<n>"); Meta returns it in the
// message_echoes webhook, which Parse reads as a "sent" status naming the part:
// the last part's marks the message sent, an earlier part's records that the
// parts up to it went out, so that neither a message nor a part the platform
// took just before the sender died is sent again. The older "skybridge:<id>",
// of messages sent before parts were named, reads as the whole message; a
// utility template carries "skybridge:<id>:t" (one request). Other
// echoes (a person typing in the Page inbox) are ignored. Parser with AppID set
// also requires the echo's app_id to be ours, so that another app on the same
// Page cannot pass a copy of our reference off as our send.
//
// Platform refusals come back as *domain.SendError, classified as retryable,
// window-closed or permanent. The page access token and page-scoped user ids never
// appear in returned errors.
package messenger
