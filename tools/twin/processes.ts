/**
 * The twin's processes: started detached (they outlive `npm run twin -- up`), each in its own process group
 * with its log under the state folder, recorded in `state.json` so `down` and `status` find them.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { TwinError } from "./components";

export interface RecordedProcess {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  readonly command: readonly string[];
}

export function startProcess(name: string, binary: string, args: readonly string[], logDir: string, env: NodeJS.ProcessEnv = {}): RecordedProcess {
  fs.mkdirSync(logDir, { recursive: true });
  const log = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(log, "a");
  try {
    const child = spawn(binary, args, { detached: true, stdio: ["ignore", fd, fd], env: { ...process.env, ...env } });
    if (child.pid === undefined) throw new TwinError(`could not start ${name} (${binary})`);
    child.unref();
    return { name, pid: child.pid, log, command: [binary, ...args] };
  } finally {
    fs.closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** SIGTERM to each process group, then SIGKILL to what is left after `graceMs`. */
export function stopProcesses(processes: readonly RecordedProcess[], graceMs = 10_000): void {
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, sig);
      } catch {
        // already gone
      }
    }
  };
  for (const proc of [...processes].reverse()) signal(proc.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && processes.some((proc) => isAlive(proc.pid))) sleepSync(100);
  for (const proc of processes) if (isAlive(proc.pid)) signal(proc.pid, "SIGKILL");
}

/** Free loopback ports, chosen by the kernel, all held until every one is picked so none repeats. */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

export function lastLines(file: string, count = 15): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-count).join("\n");
  } catch {
    return "(no log)";
  }
}
