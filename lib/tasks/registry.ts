/**
 * The task heads by name, and which one a model needs: its `task` metadata, else its output layout (mask
 * prototypes: segment; one [batch, classes] output: classify; otherwise detect — pose and obb heads cannot be told
 * from detection by shape alone and need the metadata). A task trtjs does not know is refused with ERR_BAD_MODEL
 * naming it, never run as something else. Adding a task: its folder under lib/tasks and one line here.
 */
import { TrtjsError } from '../errors.js';
import type { ModelInfo } from '../model/model-info.js';
import { classifyHead } from './classify/head.js';
import { detectHead } from './detect/head.js';
import { obbHead } from './obb/head.js';
import { poseHead } from './pose/head.js';
import { segmentHead } from './segment/head.js';
import { TASKS, type Task, type TaskHead } from './types.js';

export const TASK_HEADS: { readonly [T in Task]: TaskHead<T, unknown> } = Object.freeze({
  detect: detectHead,
  segment: segmentHead,
  pose: poseHead,
  obb: obbHead,
  classify: classifyHead,
} as { [T in Task]: TaskHead<T, unknown> });

/**
 * The task of a model: its metadata `task`, else guessed from its outputs.
 *
 * @throws ERR_BAD_MODEL for a `task` trtjs does not support
 * @example
 * ```ts
 * taskOf(await readModelInfo('yolov8n-seg.onnx')); // 'segment'
 * ```
 */
export function taskOf(info: ModelInfo): Task {
  const declared = info.task;
  if (declared !== undefined) {
    if (!(TASKS as readonly string[]).includes(declared)) {
      throw new TrtjsError('ERR_BAD_MODEL', `the model's task is '${declared}'; trtjs supports ${TASKS.map((t) => `'${t}'`).join(', ')}`);
    }
    return declared as Task;
  }
  if (info.outputs.some((o) => o.shape.length === 4) && info.outputs.some((o) => o.shape.length === 3)) return 'segment';
  if (info.outputs.length === 1 && info.outputs[0].shape.length === 2) return 'classify';
  return 'detect';
}

/**
 * The head for a model, checked against it (ERR_BAD_MODEL naming the task and the problem when its outputs do not
 * fit). With `expected`, a model of another task is refused too.
 */
export function headFor(info: ModelInfo, expected?: Task): TaskHead<Task, unknown> {
  const task = taskOf(info);
  if (expected !== undefined && task !== expected) {
    throw new TrtjsError(
      'ERR_BAD_MODEL',
      `expected a ${expected} model, this one is a ${task} model${info.task ? '' : ' (by its outputs; it has no task metadata)'}`,
    );
  }
  const head = TASK_HEADS[task] as TaskHead<Task, unknown>;
  head.check(info);
  return head;
}
