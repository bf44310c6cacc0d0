"""Tests of the DOCX annexes."""
