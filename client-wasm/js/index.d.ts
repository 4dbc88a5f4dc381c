export { OAuthClient, OAuthError } from "./client.js";
export type {
  AuthorizationErrorCode, CallbackResult, ClientErrorCode, CredentialsOptions, LoginOptions, OAuthClientEventMap,
  OAuthClientOptions, OAuthErrorCode, OAuthEventType, Registration, TokenInfo, User, WorkerErrorCode,
} from "./client.js";
