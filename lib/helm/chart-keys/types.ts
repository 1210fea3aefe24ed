export interface ChartValueKeys {
  readonly chart: string;
  readonly paths: readonly string[];
  readonly openPaths: readonly string[];
}
