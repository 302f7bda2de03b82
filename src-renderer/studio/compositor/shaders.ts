/**
 * The compositor's GLSL ES 3.00 programs. Every picture is a textured unit square placed by a 3x3
 * matrix (transition.ts itemMatrix); crop picks a part of the texture; the fragment shader keys out a
 * colour (distance in CbCr, like a studio's chroma key), corrects colour, and writes premultiplied
 * alpha. One solid-colour program draws placeholders, outlines and guides.
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

export const PICTURE_FRAGMENT = `#version 300 es
precision highp float;
in vec2 v_uv;
uniform sampler2D u_tex;
uniform float u_opacity;
uniform bool u_premultiplied;
uniform bool u_key;
uniform vec3 u_keyColor;
uniform float u_similarity;
uniform float u_smoothness;
uniform float u_spill;
uniform bool u_correct;
uniform float u_brightness;
uniform float u_contrast;
uniform float u_saturation;
uniform float u_gamma;
uniform float u_hue;
out vec4 outColor;

vec2 cbcr(vec3 c) {
  return vec2(-0.168736 * c.r - 0.331264 * c.g + 0.5 * c.b, 0.5 * c.r - 0.418688 * c.g - 0.081312 * c.b);
}
float luma(vec3 c) { return dot(c, vec3(0.2126, 0.7152, 0.0722)); }
vec3 hueRotate(vec3 c, float a) {
  // Rotation about the grey axis (keeps luma close).
  float cosA = cos(a), sinA = sin(a);
  mat3 m = mat3(
    0.299 + 0.701 * cosA + 0.168 * sinA, 0.299 - 0.299 * cosA - 0.328 * sinA, 0.299 - 0.3 * cosA + 1.25 * sinA,
    0.587 - 0.587 * cosA + 0.330 * sinA, 0.587 + 0.413 * cosA + 0.035 * sinA, 0.587 - 0.588 * cosA - 1.05 * sinA,
    0.114 - 0.114 * cosA - 0.497 * sinA, 0.114 - 0.114 * cosA + 0.292 * sinA, 0.114 + 0.886 * cosA - 0.203 * sinA);
  return m * c;
}

void main() {
  vec4 t = texture(u_tex, v_uv);
  vec3 rgb = u_premultiplied && t.a > 0.0 ? t.rgb / t.a : t.rgb;
  float alpha = t.a;
  if (u_key) {
    float d = distance(cbcr(rgb), cbcr(u_keyColor));
    float base = d - u_similarity * 0.5;
    alpha *= pow(clamp(base / max(u_smoothness * 0.5, 0.0001), 0.0, 1.0), 1.5);
    float keep = pow(clamp(base / max(u_spill * 0.5, 0.0001), 0.0, 1.0), 1.5);
    rgb = mix(vec3(luma(rgb)), rgb, keep);
  }
  if (u_correct) {
    rgb = pow(max(rgb, 0.0), vec3(1.0 / u_gamma));
    rgb = (rgb - 0.5) * u_contrast + 0.5 + u_brightness;
    rgb = mix(vec3(luma(rgb)), rgb, u_saturation);
    if (u_hue != 0.0) rgb = hueRotate(rgb, u_hue);
    rgb = clamp(rgb, 0.0, 1.0);
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
uniform float u_premultiplied;
out vec4 outColor;
void main() {
  vec4 t = texture(u_tex, v_uv);
  outColor = vec4(mix(t.rgb * t.a, t.rgb, u_premultiplied), t.a) * u_opacity;
}`;

export const SOLID_FRAGMENT = `#version 300 es
precision mediump float;
in vec2 v_uv;
uniform vec4 u_color;
// Non-zero: only a border this wide (in the quad's own 0..1 units) is drawn: an outline that turns with the item.
uniform vec2 u_border;
out vec4 outColor;
void main() {
  if (u_border.x > 0.0 && v_uv.x > u_border.x && v_uv.x < 1.0 - u_border.x && v_uv.y > u_border.y && v_uv.y < 1.0 - u_border.y) discard;
  outColor = vec4(u_color.rgb * u_color.a, u_color.a);
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
  gl.attachShader(program, compile(gl.VERTEX_SHADER, vertex));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragment));
  gl.bindAttribLocation(program, 0, 'a_pos');
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
  return program;
}

/** `#rrggbb[aa]` as 0..1 floats. */
export function rgba(hex: string): [number, number, number, number] {
  const n = (i: number) => parseInt(hex.slice(i, i + 2), 16) / 255;
  return [n(1), n(3), n(5), hex.length >= 9 ? n(7) : 1];
}
