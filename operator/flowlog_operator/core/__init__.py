"""Pure decisions: from (object, cloud observation, now) to actions and conditions. No I/O."""
