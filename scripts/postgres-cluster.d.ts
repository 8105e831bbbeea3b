export declare const CLUSTER_PASSWORD: string;
export declare const CLUSTER_USER: string;
export declare const INSTALL_HINT: string;
/** The directory holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export declare function findPostgresBinaries(): string | undefined;
export declare function freePort(): Promise<number>;
export interface Cluster {
  readonly port: number;
  /** `postgres://postgres:PASSWORD@127.0.0.1:PORT/` without a database name. */
  readonly baseUrl: string;
  url(database: string): string;
  /** Stops the server (fast shutdown: clients are disconnected), keeping its data for startServer(). */
  stopServer(): void;
  /** Starts the server again on the same port and data. */
  startServer(): void;
  /** Stops the server at once and removes every file. */
  stop(): void;
}
export interface ClusterOptions {
  /** Extra server settings, e.g. { fsync: 'off' } for tests; none: PostgreSQL's defaults. */
  readonly settings?: Readonly<Record<string, string>>;
}
export declare function startCluster(binaries: string, options?: ClusterOptions): Promise<Cluster>;
