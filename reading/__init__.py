"""Reading hostile documents apart from the service: a limited worker process per document, or a pool of read
servers that fork one (the sandbox and its worker)."""
