import { Injectable } from '@nestjs/common';
import type { ModelDeployment } from './model-deployment';

/**
 * The in-memory model registry the gateway reads on every request (no database on the hot
 * path). Replaced wholesale by ModelsService on boot and after every /model/new or delete.
 * Several deployments may share a model_name: they are used in turn.
 */
const NONE: readonly ModelDeployment[] = Object.freeze([]);

@Injectable()
export class ModelRegistry {
  private byName = new Map<string, ModelDeployment[]>();
  private all: ModelDeployment[] = [];
  private turn = 0;

  replace(deployments: ModelDeployment[]): void {
    const byName = new Map<string, ModelDeployment[]>();
    for (const d of deployments) {
      const list = byName.get(d.modelName) ?? [];
      list.push(d);
      byName.set(d.modelName, list);
    }
    this.byName = byName;
    this.all = deployments;
  }

  /** The next deployment for a model name, or null when the name is unknown. */
  pick(modelName: string): ModelDeployment | null {
    const list = this.byName.get(modelName);
    if (!list || list.length === 0) return null;
    if (list.length === 1) return list[0];
    this.turn = (this.turn + 1) % 1_000_000;
    return list[this.turn % list.length];
  }

  /** Every deployment of a model name (empty when the name is unknown). */
  deploymentsOf(modelName: string): readonly ModelDeployment[] {
    return this.byName.get(modelName) ?? NONE;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  list(): readonly ModelDeployment[] {
    return this.all;
  }
}
