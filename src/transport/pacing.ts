/**
 * Messages a server stream sends between event-loop yields, on either port: one huge stream (a
 * ListFeatures or ExportFeatures of the whole world) never keeps other calls waiting longer than this.
 */
export const ITEMS_PER_YIELD = 256;
