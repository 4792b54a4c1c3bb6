/**
 * Start-up milestones as `performance.mark`s, so the start-up benchmark
 * (scripts/bench.sh, e2e/bench-start.mjs) can read through WebDriver where
 * the time went: the status, the device unlock, the list asked for and
 * arriving, the first rows painted. Marks stay in the page; each is set once per load.
 */
export type Milestone = "coffer:status" | "coffer:unlocked" | "coffer:list-asked" | "coffer:list" | "coffer:table";

export function mark(name: Milestone): void {
  if (performance.getEntriesByName(name, "mark").length === 0) performance.mark(name);
}

/**
 * Marks `name` after the first frame in which `selector` matches has been
 * painted (a frame callback runs before the paint; a task queued from it
 * runs after). Gives up after `maxFrames`.
 */
export function markWhenPainted(name: Milestone, selector: string, maxFrames = 600): void {
  if (performance.getEntriesByName(name, "mark").length > 0) return;
  let frames = 0;
  const tick = () => {
    if (document.querySelector(selector)) setTimeout(() => mark(name), 0);
    else if (++frames < maxFrames) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
