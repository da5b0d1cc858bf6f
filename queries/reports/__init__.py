"""Reports kept on file (`dist_report`): what the Laporan page lists and serves."""
