/**
 * The `routeguide` package: a typed client, an embeddable server, the storage opener and contract,
 * the message types, and the E7 helpers. Everything else in dist/ is internal and may change.
 */
export { createRouteGuideClient } from './client/client.js';
export type { CallSettings, ClientTls, RouteGuideClient, RouteGuideClientOptions } from './client/client.js';
export { startRouteGuide } from './app/embedded-server.js';
export type { RouteGuideOptions, RouteGuideServer } from './app/embedded-server.js';
export { openStorage, StorageUrlError, SUPPORTED_SCHEMES } from './storage/open-storage.js';
export type { OpenStorageOptions } from './storage/open-storage.js';
export type { CommittedImport, FeatureRecord, FeedNote, InsertSummary, Storage, StoredNote, Unsubscribe } from './storage/storage.js';
export { SettingsError } from './common/settings-error.js';
export type { Feature, Point, Rectangle, RouteNote, RouteSummary } from './gen/messages/route_guide.js';
export type {
  CountFeaturesRequest,
  CountFeaturesResponse,
  ExportFeaturesRequest,
  FeatureBatch,
  FeatureDistance,
  NearestFeaturesRequest,
  NearestFeaturesResponse,
  PostNoteResponse,
} from './gen/messages/route_guide_extensions.js';
export { degreesToE7, e7ToDegrees, MAX_LATITUDE_E7, MAX_LONGITUDE_E7 } from './geo/e7.js';
