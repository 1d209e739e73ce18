"""The network: what each layer kind is (layer_kinds: text, parsing, building, cost), layer
specs turned into layers (architecture), the one forward/backward walk over them (walk), the
Network that runs them, and what one example costs it (cost). Imports only nn."""
