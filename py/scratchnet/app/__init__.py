"""The page's side of Python: one learner's session, the bridge the browser worker calls, its
wire format, and throughput timing. Only this package knows a browser exists."""
