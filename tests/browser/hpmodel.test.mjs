// hpmodel.test.mjs - the HParams tab's pure model under node: rows and
// columns from TensorBoard's recorded hparams answers (tests/data/golden,
// tests/data/golden-real-plugins), the column filters, the sort order.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFilter, compareValues, buildModel, allColumns, metricKey } from '../../static/hpmodel.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readJson = (p) => JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8'));

describe('column filters', () => {
  it('compares numbers: >, >=, <, <=, =, !=, and ranges either way round', () => {
    const t = (text, v) => parseFilter(text)(v);
    assert.equal(t('>0.1', 0.2), true);
    assert.equal(t('>0.1', 0.1), false);
    assert.equal(t('>=0.1', 0.1), true);
    assert.equal(t('<5', 4), true);
    assert.equal(t('<=5', 6), false);
    assert.equal(t('=32', 32), true);
    assert.equal(t('!=32', 64), true);
    assert.equal(t('> 1e-3', 0.01), true);
    assert.equal(t('0.001..0.01', 0.005), true);
    assert.equal(t('0.01..0.001', 0.005), true);
    assert.equal(t('0.001..0.01', 0.1), false);
    // a comparison never passes text, a missing value, or NaN
    assert.equal(t('>0', 'adam'), false);
    assert.equal(t('>0', null), false);
    assert.equal(t('>0', NaN), false);
  });

  it('matches words in text (all of them, any case), and numbers as printed', () => {
    const t = (text, v) => parseFilter(text)(v);
    assert.equal(t('adam', 'Adam'), true);
    assert.equal(t('ada', 'adam'), true);
    assert.equal(t('sgd', 'adam'), false);
    assert.equal(t('fail', 'failed'), true);
    assert.equal(t('trial 3', 'hp_search/trial_3'), true);
    assert.equal(t('trial 4', 'hp_search/trial_3'), false);
    assert.equal(t('0.01', 0.01), true);
    assert.equal(t('x', null), false);
  });

  it('an empty filter is none', () => {
    assert.equal(parseFilter(''), null);
    assert.equal(parseFilter('   '), null);
    assert.equal(parseFilter(undefined), null);
  });
});

describe('sort order', () => {
  it('numbers by value, then text naturally; missing values and NaN last', () => {
    const vals = ['trial_10', null, 3, NaN, 'trial_2', -1, undefined, 0.5];
    const sorted = [...vals].sort(compareValues);
    assert.deepEqual(sorted.slice(0, 5), [-1, 0.5, 3, 'trial_2', 'trial_10']);
    assert.equal(sorted.slice(5).every((v) => v === null || v === undefined || Number.isNaN(v)), true);
  });
});

describe('the model from recorded answers', () => {
  it('logdir-small: hparams in the experiment order, metrics as final values, NaN kept', () => {
    const experiment = readJson('tests/data/golden/responses/114_post_hparams_experiment.json');
    const answer = readJson('tests/data/golden/responses/119_post_hparams_session_groups.json');
    const m = buildModel(experiment, answer);
    assert.deepEqual(m.hparams, ['batch', 'lr', 'optimizer', 'use_bn']);
    assert.deepEqual(m.metrics.map((x) => x.label), ['hparam/accuracy', 'hparam/loss']);
    assert.deepEqual(m.sessions.map((s) => s.name), ['hp_search/trial_1', 'hp_search/trial_2', 'hp_search/trial_3']);
    const acc = metricKey({ tag: 'hparam/accuracy', group: '' });
    assert.equal(m.sessions[0].final[acc], 0.8999999761581421);
    assert.ok(Number.isNaN(m.sessions[2].final[acc]), 'the recorded "NaN" is a NaN');
    assert.equal(m.sessions[0].status, 'success');
    assert.deepEqual(m.sessions[0].hp, { optimizer: 'adam', lr: 0.01 });
    const cols = allColumns(m);
    assert.equal(cols.length, 2 + 4 + 3 * 2);
    assert.deepEqual(cols.slice(0, 3).map((c) => c.key), ['name', 'status', 'hp:batch']);
    const lr = cols.find((c) => c.key === 'hp:lr');
    assert.deepEqual(m.sessions.map(lr.get), [0.01, 0.001, 0.001]);
    const batch = cols.find((c) => c.key === 'hp:batch');
    assert.equal(batch.get(m.sessions[0]), null, 'an hparam a group lacks is missing, not 0');
  });

  it('real fixtures: a session without metrics has none; an hparam outside the experiment is added', () => {
    const experiment = readJson('tests/data/golden-real-plugins/1319_hparams_experiment.json');
    const answer = readJson('tests/data/golden-real-plugins/1320_hparams_session_groups.json');
    answer.sessionGroups[0].hparams.extra = true;
    answer.sessionGroups[0].sessions.push({ name: 'other', status: 'STATUS_FAILURE' });
    const m = buildModel(experiment, answer);
    assert.equal(m.sessions.length, 2);
    assert.deepEqual(m.sessions[0].final, {});
    assert.deepEqual(m.hparams, ['batch_size', 'lr', 'optimizer', 'extra']);
    assert.equal(m.sessions[0].hp.extra, 'true');
    assert.equal(m.sessions[0].status, 'mixed');
    assert.equal(m.sessions[1].final[metricKey({ tag: 'hparam/Final_Val_Accuracy', group: '' })], 84.03559875488281);
  });

  it('a metric with a group is labelled with it', () => {
    const m = buildModel({ hparamInfos: [], metricInfos: [{ name: { tag: 'loss', group: 'validation' }, displayName: '' }] }, { sessionGroups: [] });
    assert.equal(m.metrics[0].label, 'loss (validation)');
  });
});
