// The CA as an HTTP service: `hpcs-tool ca serve`. See docs/ARCHITECTURE.md.
