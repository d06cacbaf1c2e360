META
key;value
description;"Northfield; the community room, spring"
country;United Kingdom
unit;Northfield
num_projects;4
num_votes;6
budget;1200
vote_type;approval
min_length;1
max_length;3

PROJECTS
project_id;cost;name;votes;category
1;600;"Coffee morning; Tuesdays";4;community
2;300;"Homework club, ""after school""";3;education
10;450;Men's shed;2;health
3;900;Youth football;1;sport


VOTES
voter_id;vote;age;sex
v1;1,2;34;F
v2;1;71;M
v3;1,2,10;;
v4;10, 1;19;F
v5;2,3;45;M
v6;;52;F
