"""Developer and operator tools: the launcher, terminal chat, evaluation and benchmarks."""
