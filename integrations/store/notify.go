package store

import "sync"

// notifier wakes in-process readers of a conversation (web chat streams) after a
// commit added outbound messages. It is an optimisation only: readers on other
// instances miss these wake-ups and find the messages by polling.
type notifier struct {
	mu   sync.Mutex
	subs map[int64]map[*subscription]struct{}
}

type subscription struct{ ch chan struct{} }

// Subscribe returns a channel that receives a value soon after a turn of the
// conversation commits outbound messages, and a cancel func that must be called
// when the reader stops. Wake-ups coalesce: a reader that is busy when several
// turns commit receives one, and should then read everything after its last seq.
func (s *Store) Subscribe(conversationID int64) (ch <-chan struct{}, cancel func()) {
	sub := &subscription{ch: make(chan struct{}, 1)}
	n := &s.wake
	n.mu.Lock()
	if n.subs[conversationID] == nil {
		n.subs[conversationID] = map[*subscription]struct{}{}
	}
	n.subs[conversationID][sub] = struct{}{}
	n.mu.Unlock()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			n.mu.Lock()
			defer n.mu.Unlock()
			delete(n.subs[conversationID], sub)
			if len(n.subs[conversationID]) == 0 {
				delete(n.subs, conversationID)
			}
		})
	}
}

func (n *notifier) notify(conversationID int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for sub := range n.subs[conversationID] {
		select {
		case sub.ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}
