export { OAuthClient, OAuthError } from "./client.js";
export type {
  AuthorizationErrorCode, CallbackResult, ClientErrorCode, LoginOptions, OAuthClientEventMap,
  OAuthClientOptions, OAuthErrorCode, OAuthEventType, TokenInfo, User, WorkerErrorCode,
} from "./client.js";
