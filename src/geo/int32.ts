/** The largest protobuf int32, where RouteSummary's counts and distance saturate. */
export const INT32_MAX = 2_147_483_647;
