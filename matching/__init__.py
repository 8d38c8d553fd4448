"""The pure matching core: scoring, eligibility, shortlists, solvers, explanations, metrics."""
