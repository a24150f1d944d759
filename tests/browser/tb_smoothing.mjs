// tb_smoothing.mjs - TensorBoard's classicSmoothing
// (tensorboard/webapp/widgets/line_chart_v2/data_transformer.ts), transcribed
// independently of static/smoothing.js so the tests compare the two.

export function tensorboardSmoothing(ys, smoothingWeight) {
  if (!Number.isFinite(smoothingWeight)) smoothingWeight = 0;
  smoothingWeight = Math.max(0, Math.min(smoothingWeight, 1));
  if (!ys.length) return [];
  const initialYVal = ys[0];
  // eslint-disable-next-line eqeqeq -- TensorBoard compares with ==
  const isConstant = ys.every((y) => y == initialYVal);
  if (isConstant) return ys.slice();
  let last = ys.length > 0 ? 0 : NaN;
  let numAccum = 0;
  return ys.map((nextVal) => {
    if (!Number.isFinite(nextVal)) return nextVal;
    last = last * smoothingWeight + (1 - smoothingWeight) * nextVal;
    numAccum++;
    const debiasWeight = smoothingWeight === 1 ? 1 : 1 - Math.pow(smoothingWeight, numAccum);
    return last / debiasWeight;
  });
}
