"""Analysis of a CCTP draft: read it into sections, find each clause family's evidence, judge."""
