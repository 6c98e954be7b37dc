// Package store keeps Skybridge's conversations on SQLite or PostgreSQL through gorm:
// the inbox of messages travellers sent, the conversations' persisted state machines,
// the outbox of replies, boarding passes, published content versions, and the
// durable River job queue that turns accepted messages into processed turns.
//
// Exactly-once in effect rests on three things. Accept stores an inbound message,
// unique on its channel message id, and enqueues a processing job in the same
// transaction, so that a message acknowledged to the channel is never lost and a
// redelivered one is never stored twice. A processing job works through every
// pending message of its conversation in order, and CommitTurn saves a turn with a
// compare-and-swap on the conversation's version and on the inbound message still
// being pending, so that concurrent or repeated runs commit each message once.
// Finally, a periodic sweep re-enqueues conversations whose messages have waited
// too long, so that no message is stranded by a discarded job.
//
// Proactive flight updates follow the same rules. SaveFlightWatch stores a flight's
// status with a compare-and-swap on its version, and each event, unique on (flight,
// kind, version), with its fan-out job in the same transaction; QueueNotifications
// queues each message at most once per conversation and event (a dedupe key) and
// each passenger's notification once (its key), however often a fan-out is retried
// or run on two instances.
//
// Personal data at rest (message texts, conversation slots, outbound texts,
// boarding passes, contact identifiers) is sealed with a domain.Sealer; contact
// identifiers that are looked up are stored as a keyed blind index beside the
// sealed value. Reseal moves every sealed value to the newest key;
// EnforceRetention deletes what is older than the retention policy; Export and
// Erase answer a traveller's subject access and erasure requests.
package store
