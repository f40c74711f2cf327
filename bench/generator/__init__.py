"""The parts of ``bench.generate`` (national-scale data for the benchmarks): its command line and
public names are in ``bench/generate.py``; these modules hold the constants, the set-up of units,
agencies, catalogue and staff, the COPY plumbing, the scope, the clock, the planning of each
dossier's life and the batches."""
