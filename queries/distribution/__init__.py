"""Distribution to SIDJP and SIPMOD (SE-127 steps 9-17): prepare per KPP and target, approve twice, deliver, report."""
