export { default, initSync } from "./core/oauth_edge.js";
export type { InitInput, InitOutput, SyncInitInput } from "./core/oauth_edge.js";
export { OAuthClient, OAuthError } from "./client.js";
export type {
  AuthorizationErrorCode,
  CallbackResult,
  ClientErrorCode,
  CredentialsOptions,
  LoginOptions,
  OAuthClientEventMap,
  OAuthClientEvent,
  OAuthClientListener,
  OAuthClientOptions,
  OAuthErrorCode,
  OAuthEventType,
  Registration,
  TokenInfo,
  User,
  WorkerErrorCode,
} from "./client.js";
