"""rasa-sdk actions: answers from the knowledge base and the guided clinic flows."""
