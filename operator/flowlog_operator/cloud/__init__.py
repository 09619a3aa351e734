"""Async client of the Alibaba Cloud VPC FlowLog API: signing, credentials, retries, error mapping."""
