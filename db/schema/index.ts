export * from "./orgs";
export * from "./api-keys";
export * from "./workflows";
export * from "./runs";
export * from "./credits";
export * from "./stream-tokens";
export * from "./auth";
