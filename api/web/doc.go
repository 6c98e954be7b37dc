// Package web holds the traveller's web chat page: plain HTML, CSS and JavaScript with no
// build step, embedded in the binary so that the api package serves it without files on
// disk or a CDN.
//
// The page speaks the web chat JSON contract under /chat/api: it creates a session and
// keeps its token in localStorage, POSTs each message with a client id that it retries
// unchanged until accepted, and receives the bot's messages as Server-Sent Events from
// /chat/api/stream, falling back to polling /chat/api/messages. Bot messages are ordered
// and deduplicated by their seq. Server text is only ever set as text, never as HTML.
//
// Airlines brand the page through the CSS variables at the top of static/chat.css.
package web
