"""The staff desk: coordinators and volunteers work cases in a browser (DESIGN.md section 9)."""
