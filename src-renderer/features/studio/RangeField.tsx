/** A setting on a slider that sends as it moves, its value beside it (dB shown with its sign). */
export function RangeField({ label, value, min, max, step, unit = '', digits = 2, className, testId, onChange }: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  unit?: string;
  digits?: number;
  /** The layout: `prop-field` (label above) or `knob` (one row). */
  className: string;
  testId: string;
  onChange(v: number): void;
}) {
  const shown = Math.round(value * 10 ** digits) / 10 ** digits;
  const space = unit === '' || unit.startsWith(':') ? '' : ' ';
  return (
    <label className={className}>
      <span>{label}</span>
      <input type="range" data-testid={testId} min={min} max={max} step={step} value={value} onChange={(e) => onChange(Number(e.target.value))} />
      <span className="muted small range-value">{value > 0 && unit === 'dB' ? '+' : ''}{shown}{space}{unit}</span>
    </label>
  );
}
