"""Pure core: document model, readers, Swedish dates, people and action-item extraction. No I/O."""
