const form = document.getElementById('login');
const error = document.getElementById('error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const body = { username: form.username.value.trim(), password: form.password.value };
  const response = await fetch('/api/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.ok) {
    window.location.assign('/');
    return;
  }
  const answer = await response.json().catch(() => ({}));
  error.textContent = answer.error || `Sign-in failed (${response.status})`;
  form.password.value = '';
});
