"""A wire-faithful emulator of the Alibaba Cloud VPC FlowLog API (Vpc 2016-04-28), with a minimal STS."""
