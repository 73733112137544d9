"""One module per metric family; each exposes functions returning :class:`bench.common.Metric`."""
