#!/usr/bin/env python3
"""Summarises a dotnet-trace sampled-thread-time profile (Speedscope JSON): the share of on-CPU
samples (leaf CPU_TIME) under each frame, inclusive, then by the frame just above CPU_TIME.
Usage: profile-summary.py TRACE.speedscope.json [TOP]
Made with: dotnet-trace collect -p PID --profile dotnet-sampled-thread-time --duration 00:00:00:08 --format Speedscope -o TRACE.nettrace"""
import json,collections,sys
d=json.load(open(sys.argv[1]))
frames=[f['name'] for f in d['shared']['frames']]
incl=collections.Counter(); selfc=collections.Counter(); total=0.0
for p in d['profiles']:
    stack=[]; last=None
    for e in p['events']:
        t=e['at']
        if last is not None and stack:
            names=[frames[i] for i in stack]
            if names[-1]=='CPU_TIME':
                dt=t-last; total+=dt
                for n in set(names): incl[n]+=dt
                selfc[names[-2] if len(names)>1 else '?']+=dt
        last=t
        if e['type']=='O': stack.append(e['frame'])
        elif stack: stack.pop()
print('cpu ms',total)
for n,c in incl.most_common(int(sys.argv[2]) if len(sys.argv)>2 else 60):
    print(f'{100*c/total:5.1f}% {n[:170]}')
print('--- self')
for n,c in selfc.most_common(30):
    print(f'{100*c/total:5.1f}% {n[:170]}')
