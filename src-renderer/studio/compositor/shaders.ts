/**
 * The compositor's GLSL ES 3.00 programs. Every picture is a textured unit square placed by a 3x3
 * matrix (transition.ts itemMatrix); crop picks a part of the texture (`u_crop`: x, y, width, height
 * in texture coordinates). Every texture holds premultiplied alpha (sources are uploaded so, the
 * scenes' own framebuffer textures are drawn so), and every program writes premultiplied alpha for the
 * blend ONE, ONE_MINUS_SRC_ALPHA.
 */

export const QUAD_VERTEX = `#version 300 es
in vec2 a_pos;
uniform mat3 u_matrix;
uniform vec4 u_crop;
out vec2 v_uv;
void main() {
  v_uv = u_crop.xy + a_pos * u_crop.zw;
  gl_Position = vec4((u_matrix * vec3(a_pos, 1.0)).xy, 0.0, 1.0);
}`;

/**
 * A picture with a chroma key and/or colour correction. The key is OBS's chroma key filter: distance
 * in CbCr (BT.709) from the key colour, box-filtered over the neighbouring texels so the edge does not
 * shimmer; `similarity` is how far still counts as key, `smoothness` the soft edge above it, `spill`
 * desaturates what is kept near the key colour (green fringes on hair). The correction applies gamma,
 * then contrast about mid grey, brightness, saturation and a hue rotation about the grey axis.
 */
export const PICTURE_FRAGMENT = `#version 300 es
precision highp float;
in vec2 v_uv;
uniform sampler2D u_tex;
uniform float u_opacity;
uniform bool u_key;
uniform vec2 u_keyCbCr;
uniform float u_similarity;
uniform float u_smoothness;
uniform float u_spill;
uniform bool u_correct;
uniform float u_brightness;
uniform float u_contrast;
uniform float u_saturation;
uniform float u_gamma;
uniform mat3 u_hue;
out vec4 outColor;

const vec3 LUMA = vec3(0.2126, 0.7152, 0.0722);

vec3 straight(vec4 t) { return t.a > 0.0 ? t.rgb / t.a : t.rgb; }
float chromaDist(vec3 rgb) {
  vec2 cbcr = vec2(dot(rgb, vec3(-0.100644, -0.338572, 0.439216)), dot(rgb, vec3(0.439216, -0.398942, -0.040274))) + 0.501961;
  return distance(cbcr, u_keyCbCr);
}
float boxChromaDist(vec3 rgb) {
  vec2 px = 1.0 / vec2(textureSize(u_tex, 0));
  vec2 p0 = vec2(px.x, px.y * 0.5);
  vec2 p1 = vec2(px.x * 0.5, -px.y);
  float d = chromaDist(straight(texture(u_tex, v_uv - p0))) + chromaDist(straight(texture(u_tex, v_uv + p0)))
    + chromaDist(straight(texture(u_tex, v_uv - p1))) + chromaDist(straight(texture(u_tex, v_uv + p1)));
  return (d * 2.0 + chromaDist(rgb)) / 9.0;
}

void main() {
  vec4 t = texture(u_tex, v_uv);
  vec3 rgb = straight(t);
  float alpha = t.a;
  if (u_key) {
    float base = boxChromaDist(rgb) - u_similarity;
    alpha *= pow(clamp(base / max(u_smoothness, 0.0001), 0.0, 1.0), 1.5);
    float keep = pow(clamp(base / max(u_spill, 0.0001), 0.0, 1.0), 1.5);
    rgb = mix(vec3(dot(rgb, LUMA)), rgb, keep);
  }
  if (u_correct) {
    rgb = pow(max(rgb, 0.0), vec3(1.0 / u_gamma));
    rgb = (rgb - 0.5) * u_contrast + 0.5 + u_brightness;
    rgb = mix(vec3(dot(rgb, LUMA)), rgb, u_saturation);
    rgb = clamp(u_hue * rgb, 0.0, 1.0);
  }
  alpha *= u_opacity;
  outColor = vec4(rgb * alpha, alpha);
}`;

/**
 * The same picture without keying or correction: what almost every item is. A software renderer runs
 * the fragment shader per pixel with every branch, so the plain case gets its own small program
 * (measured here, SwiftShader on 2 cores: a 1280x720 program of a full-screen camera, a logo and a text
 * ran at 23 frames/s with the full shader for every item, 61 with this one).
 */
export const PLAIN_FRAGMENT = `#version 300 es
precision mediump float;
in vec2 v_uv;
uniform sampler2D u_tex;
uniform float u_opacity;
out vec4 outColor;
void main() {
  outColor = texture(u_tex, v_uv) * u_opacity;
}`;

/**
 * A solid colour: placeholders, outlines, handles, guides. `u_border` > 0 keeps only a border that wide
 * (in the quad's 0..1 units: an outline that turns with the item); `u_cross` > 0 draws the quad's two
 * diagonals that many pixels wide in `u_crossColor` (the placeholder's cross).
 */
export const SOLID_FRAGMENT = `#version 300 es
precision mediump float;
in vec2 v_uv;
uniform vec4 u_color;
uniform vec2 u_border;
uniform float u_cross;
uniform vec4 u_crossColor;
out vec4 outColor;
void main() {
  if (u_border.x > 0.0 && v_uv.x > u_border.x && v_uv.x < 1.0 - u_border.x && v_uv.y > u_border.y && v_uv.y < 1.0 - u_border.y) discard;
  vec4 c = u_color;
  if (u_cross > 0.0) {
    float a = v_uv.x - v_uv.y;
    float b = v_uv.x + v_uv.y - 1.0;
    if (abs(a) < u_cross * fwidth(a) * 0.5 || abs(b) < u_cross * fwidth(b) * 0.5) c = u_crossColor;
  }
  outColor = vec4(c.rgb * c.a, c.a);
}`;

/** Compiles and links a program; throws with the driver's log. */
export function buildProgram(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const compile = (type: number, source: string) => {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS) && !gl.isContextLost()) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
    return shader;
  };
  const program = gl.createProgram()!;
  const shaders = [compile(gl.VERTEX_SHADER, vertex), compile(gl.FRAGMENT_SHADER, fragment)];
  for (const s of shaders) gl.attachShader(program, s);
  gl.bindAttribLocation(program, 0, 'a_pos');
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
  // The linked program keeps what it needs.
  for (const s of shaders) {
    gl.detachShader(program, s);
    gl.deleteShader(s);
  }
  return program;
}

/** `#rrggbb[aa]` as 0..1 floats. */
export function rgba(hex: string): [number, number, number, number] {
  const n = (i: number) => parseInt(hex.slice(i, i + 2), 16) / 255;
  return [n(1), n(3), n(5), hex.length >= 9 ? n(7) : 1];
}

/** A colour's (Cb, Cr) as the chroma key shader measures it (BT.709, 0..1 with grey at 0.5). */
export function keyCbCr(hex: string): [number, number] {
  const [r, g, b] = rgba(hex);
  return [-0.100644 * r - 0.338572 * g + 0.439216 * b + 0.501961, 0.439216 * r - 0.398942 * g - 0.040274 * b + 0.501961];
}

/**
 * The 3x3 hue rotation about the grey axis (the W3C filter-effects `hueRotate` matrix), column-major
 * for `uniformMatrix3fv`. Identity at 0.
 */
export function hueMatrix(deg: number): Float32Array {
  const a = (deg * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  // Row-major rows r, g, b.
  const rows = [
    [0.213 + c * 0.787 - s * 0.213, 0.715 - c * 0.715 - s * 0.715, 0.072 - c * 0.072 + s * 0.928],
    [0.213 - c * 0.213 + s * 0.143, 0.715 + c * 0.285 + s * 0.14, 0.072 - c * 0.072 - s * 0.283],
    [0.213 - c * 0.213 - s * 0.787, 0.715 - c * 0.715 + s * 0.715, 0.072 + c * 0.928 + s * 0.072],
  ] as const;
  return new Float32Array([0, 1, 2].flatMap((col) => rows.map((row) => row[col]!)));
}
