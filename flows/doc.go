// Package flows holds Skybridge's conversations as explicit state machines
// (github.com/looplab/fsm) and the engine that runs them one turn at a time:
// load the conversation, understand the message, fire the flow's event, perform the
// effects the new state asks for through domain ports, and hand everything the turn
// produced to the store to commit in one transaction.
//
// The flow graphs are code; what travellers read (messages in every language) and the
// business rules are content: versioned data that a conversation pins when it starts.
package flows
