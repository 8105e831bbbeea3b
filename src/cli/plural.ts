/** `1 feature`, `0 features`, `2 features`; `shown` is how the count is written (e.g. grouped `1,024`). */
export function plural(count: number, singular: string, shown: string = String(count)): string {
  return `${shown} ${count === 1 ? singular : `${singular}s`}`;
}
