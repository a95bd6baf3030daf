"""Customer-level probabilistic baseline: BG/NBD (who is alive, how many purchases) and
Gamma-Gamma (spend per purchase), maximum likelihood with scipy, time in days."""
