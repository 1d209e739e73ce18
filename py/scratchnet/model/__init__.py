"""The network: layer specs turned into layers (architecture), the Network that runs them, and
what one example costs it. Imports only nn."""
