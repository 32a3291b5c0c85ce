"""Everything Rasa loads: training data, domain, endpoints, credentials, and the REST channel."""
