"""Letters from and to the banks: statement letters (Surat Pernyataan), appeal letters (Surat Himbauan) and
disruption notices."""
