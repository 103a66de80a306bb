"""Renderers: the plan's dict form (`planfile.plan_to_dict`) -> text. No I/O, no model types."""
