from tests.discovery.agents import agent_key  # noqa: F401  (the agents' API key fixture)
