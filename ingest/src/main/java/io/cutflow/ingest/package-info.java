package io.cutflow.ingest;
