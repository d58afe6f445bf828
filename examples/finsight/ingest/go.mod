module finsight/ingest

go 1.23
